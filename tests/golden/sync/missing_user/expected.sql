error: role ghost_role is named in model.toml but does not exist on the cluster: create it, or remove it from the model
user dave is named in model.toml but does not exist on the cluster: create it, or remove it from the model
user erin is listed in the members of group bi_grp but does not exist on the cluster
