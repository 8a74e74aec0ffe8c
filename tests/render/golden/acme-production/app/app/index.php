<?php
// Sample app for acme (production), deployed by vend.
// Its settings come from the env file vend writes on every instance (vend config set ...).
function vend_env($path = '/etc/vend/app.env') {
    $env = array();
    foreach (@file($path, FILE_IGNORE_NEW_LINES) ?: array() as $line) {
        if (preg_match("/^([A-Z_][A-Z0-9_]*)='(.*)'$/", $line, $m)) {
            $env[$m[1]] = str_replace("'\\''", "'", $m[2]);
        }
    }
    return $env;
}
header('Content-Type: text/html; charset=utf-8');
$env = vend_env();
echo "<h1>Hello from acme (production)</h1>";
echo "<p>PHP " . htmlspecialchars(PHP_VERSION) . "</p>";
// Plain config vars only (VEND_CONFIG_VARS names them); secrets are never shown.
foreach (array_filter(explode(' ', $env['VEND_CONFIG_VARS'] ?? '')) as $key) {
    echo "<p>" . htmlspecialchars($key) . "=" . htmlspecialchars($env[$key] ?? '') . "</p>";
}
if (!empty($env['DB_HOST'])) {
    echo "<p>database " . htmlspecialchars($env['DB_NAME']) . " at " . htmlspecialchars($env['DB_HOST']) . "</p>";
}
