"""EDM Stance Lab."""
