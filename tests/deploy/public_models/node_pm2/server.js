const http = require("http");
http.createServer((req, res) => { res.end("node model " + process.env.DEPLOYMENT_GROUP_NAME + "\n"); }).listen(3000);
