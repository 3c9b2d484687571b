"""Pure core: value types, datasets, inventory, checks contract, evaluation, bounded inputs."""
