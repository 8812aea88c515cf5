"""The Teams edge: HTTP app, Bot Framework adapter, activity handling, commands and proactive sends."""

__version__ = "0.1.0"
