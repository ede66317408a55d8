"""Product analytics kept on the operator's machines: where users are (offline GeoIP), experiments."""
