// The development server sends /api to the backend by its compose name.
module.exports = (app) => app.use("/api", require("http-proxy-middleware").createProxyMiddleware({target: "http://backend:8080", pathRewrite: {"^/api": ""}}));
