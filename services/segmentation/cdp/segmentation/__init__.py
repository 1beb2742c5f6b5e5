"""The segmentation service: audiences and computed traits over a consent-aware read model of profiles."""
