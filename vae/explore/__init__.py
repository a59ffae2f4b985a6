"""What the pages do with a trained model: encode, traverse, interpolate, project, restore, read VQ codes,
and lay pictures out in grids."""
