"""The Rasa action server package: answers from knowledge/, 'did you mean' fallbacks."""
