"""HTTP layer of recordings (thin viewsets; logic lives in selectors/services)."""
