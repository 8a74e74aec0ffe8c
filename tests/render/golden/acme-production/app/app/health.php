<?php
// Health check (the target group's and ValidateService's): 200 when the app can serve. With a
// database (DATABASE_URL in the env file vend writes on every instance), only if it answers a query.
function vend_env($path = '/etc/vend/app.env') {
    $env = array();
    foreach (@file($path, FILE_IGNORE_NEW_LINES) ?: array() as $line) {
        if (preg_match("/^([A-Z_][A-Z0-9_]*)='(.*)'$/", $line, $m)) {
            $env[$m[1]] = str_replace("'\\''", "'", $m[2]);
        }
    }
    return $env;
}
header('Content-Type: text/plain; charset=utf-8');
header('Cache-Control: no-store');
$env = vend_env();
if (empty($env['DATABASE_URL'])) {
    echo "ok\n";
    exit;
}
if (strpos($env['DATABASE_URL'], 'postgresql://') === 0) {
    $db = @pg_connect($env['DATABASE_URL'] . '?connect_timeout=3');
    $answer = $db ? @pg_query($db, 'SELECT 1') : false;
    $ok = $answer !== false && pg_fetch_row($answer)[0] === '1';
} else {
    mysqli_report(MYSQLI_REPORT_OFF);
    $db = @mysqli_connect($env['DB_HOST'], $env['DB_USER'], $env['DB_PASSWORD'], $env['DB_NAME'], (int) $env['DB_PORT']);
    $ok = $db && @mysqli_query($db, 'SELECT 1') !== false;
}
if (!$ok) {
    http_response_code(503);
    echo "database not answering\n";
    exit;
}
echo "ok (database answers)\n";
