"""The app's runtime: config vars, the env file every instance gets, the database it points at."""
