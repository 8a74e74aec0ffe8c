#!/bin/sh
# Install the AWS CodeDeploy agent (EC2 builds only) from the region's official bucket.
set -eu
region="${AWS_REGION:?AWS_REGION is required}"
if command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q ruby-full wget
else
    (dnf install -y ruby wget || yum install -y ruby wget)
fi
cd /tmp
wget -q "https://aws-codedeploy-${region}.s3.${region}.amazonaws.com/latest/install"
chmod +x ./install
./install auto
rm -f ./install
