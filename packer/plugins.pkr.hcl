# The amazon-ebs build needs Packer 1.8.1 or newer (older Packer cannot log in to Ubuntu 22.04+:
# RSA/SHA-1 SSH signatures are refused); `packer init plugins.pkr.hcl` installs the Amazon plugin
# (vend bake runs it). Packer 1.6 rejects this block: validate the image template alone; the
# local builder works with Debian's Packer 1.6.6.
packer {
  required_version = ">= 1.8.1"

  required_plugins {
    amazon = {
      version = ">= 1.3.0"
      source  = "github.com/hashicorp/amazon"
    }
  }
}
