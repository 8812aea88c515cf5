"""What an applicant types into the sign-up cards, for the tests that sign people up through the real cards (over
HTTP, or in the Agents Playground)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Answers:
    """One applicant's answers, as the cards send them: every input a string, multi-selects comma-separated, the
    band a grade's value and the colleagues to avoid one email a line."""

    role: str
    job_title: str
    band: str
    directorate: str
    site: str
    work_email: str
    line_manager_email: str
    topics: str
    availability: str
    meeting_preference: str
    experience_note: str
    bio: str
    avoid_emails: str = ""

    def about(self) -> dict[str, str]:
        """The about-you card's inputs."""
        return {
            "role": self.role,
            "job_title": self.job_title,
            "band": self.band,
            "directorate": self.directorate,
            "site": self.site,
            "work_email": self.work_email,
            "line_manager_email": self.line_manager_email,
        }

    def interests(self) -> dict[str, str]:
        """The interests card's inputs."""
        return {
            "topics": self.topics,
            "availability": self.availability,
            "meeting_preference": self.meeting_preference,
            "experience_note": self.experience_note,
            "bio": self.bio,
            "avoid_emails": self.avoid_emails,
        }

    def avoided(self) -> tuple[str, ...]:
        """The colleagues to avoid, one address each, as the profile keeps them."""
        return tuple(line.strip().lower() for line in self.avoid_emails.splitlines() if line.strip())

    def free_text(self) -> tuple[str, ...]:
        """Everything typed rather than chosen: what erasure must remove."""
        return (
            self.job_title,
            self.directorate,
            self.site,
            self.work_email,
            self.line_manager_email,
            self.experience_note,
            self.bio,
            *self.avoided(),
        )
