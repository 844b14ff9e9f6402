"""Command-line administration of pgadmin_lite: python setup_db.py --help."""

from pgadmin_lite.cli import cli

if __name__ == "__main__":
    cli()
