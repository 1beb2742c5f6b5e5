"""The segmentation service: audiences over traits and behaviour (its RPCs land with the audiences issue)."""
