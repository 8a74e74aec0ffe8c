#!/bin/sh
# Common base for every vend image: the deployment root CodeDeploy (and vend's SSH rollout) uses,
# and a record of what was baked.
set -eu
mkdir -p /opt/codedeploy-agent/deployment-root /var/log/vend
cat > /etc/vend-image <<INFO
customer=${VEND_CUSTOMER}
environment=${VEND_ENVIRONMENT}
source_commit=${VEND_SOURCE_COMMIT}
INFO
echo "vend: base image prepared for ${VEND_CUSTOMER}/${VEND_ENVIRONMENT}"
