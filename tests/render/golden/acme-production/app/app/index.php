<?php
// Sample app for acme (production), deployed by vend.
header('Content-Type: text/html; charset=utf-8');
echo "<h1>Hello from acme (production)</h1>";
echo "<p>PHP " . htmlspecialchars(PHP_VERSION) . "</p>";
