"""Multi-turn conversations (botbuilder-dialogs ``ComponentDialog``s), one per file.

Each dialog collects input through Adaptive Cards and ends by calling exactly one programme use case.
"""
