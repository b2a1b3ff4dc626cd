"""FollowDesk's domain: archive, follow-up rules, import/export, command line. No Qt here."""

__version__ = "0.1.0"
