<?php echo "PHP model site on " . gethostname() . "\n"; ?>
