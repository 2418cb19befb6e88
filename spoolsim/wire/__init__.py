"""spoolsim."""
