"""Load generation against a running chat app over real HTTP: normal users and a share of abusive ones."""
