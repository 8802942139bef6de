"""nenkin-audit: governed, pseudonymised data warehouse and audit analytics for 国民年金 office work."""

__version__ = "0.1.0"
