"""End-to-end tests: the real service driven through the Microsoft 365 Agents Playground."""
