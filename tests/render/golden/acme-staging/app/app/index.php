<?php
// Sample app for acme (staging), deployed by vend.
header('Content-Type: text/html; charset=utf-8');
echo "<h1>Hello from acme (staging)</h1>";
echo "<p>PHP " . htmlspecialchars(PHP_VERSION) . "</p>";
