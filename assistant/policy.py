"""The dialogue policy's old place, where models trained before it moved find it; remove after the next `make train`."""
from assistant.server.policy import RespondPolicy  # noqa: F401  (config.yml: assistant.server.policy.RespondPolicy)
