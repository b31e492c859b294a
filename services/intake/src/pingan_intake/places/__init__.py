"""Where a ticket happened: the county gazetteer and the resolution of grid, point and address."""
