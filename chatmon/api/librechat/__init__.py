"""Import of LibreChat's MongoDB data (mongoexport files): users, balances, transactions."""
