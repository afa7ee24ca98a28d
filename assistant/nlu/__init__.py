"""Custom Rasa NLU components for Japanese residents' text."""
