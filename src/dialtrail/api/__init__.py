"""HTTP glue shared by the REST API: error shape, database session, authentication."""
