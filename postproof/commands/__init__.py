"""The commands, one module per group; ``postproof.app`` registers them all in one place.
Each module imports at its top only what ``--help`` needs; a command imports the browser,
the archive or the NLP libraries it uses when it runs."""
