# For Packer 1.7 and newer: `packer init plugins.pkr.hcl` installs the Amazon plugin.
# (Packer 1.6 has the plugin built in and rejects this block: validate the image template alone.)
packer {
  required_plugins {
    amazon = {
      version = ">= 1.3.0"
      source  = "github.com/hashicorp/amazon"
    }
  }
}
