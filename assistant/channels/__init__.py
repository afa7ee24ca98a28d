"""Input channels: where residents' messages enter the assistant."""
