"""A FastAPI service that stores users and their items in a SQL database."""
