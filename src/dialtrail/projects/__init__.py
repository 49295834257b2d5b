"""Projects, users, memberships, API tokens and authentication."""
