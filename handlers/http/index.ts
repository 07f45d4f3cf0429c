export { createHttpServer, startHttpServer, type HttpServerOptions, type RunningHttpServer } from "./server";
