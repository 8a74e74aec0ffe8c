from http.server import BaseHTTPRequestHandler, HTTPServer


class App(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"flask app model\n")


if __name__ == "__main__":
    HTTPServer(("0.0.0.0", 5000), App).serve_forever()
