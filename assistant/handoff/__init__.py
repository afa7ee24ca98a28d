"""Human handoff: the handoff store, its texts and reasons, and the client that pauses and resumes Rasa."""
