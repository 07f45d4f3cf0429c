import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import type { S3Origin } from "./distribution";
import type { HeaderList } from "./http-types";

export interface S3Response {
  readonly status: number;
  readonly headers: HeaderList;
  readonly body: Buffer;
}

function accessDenied(): S3Response {
  // With OAC and no s3:ListBucket grant, S3 answers a missing key with 403, not 404.
  const body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';
  return { status: 403, headers: [{ name: "Content-Type", value: "application/xml" }], body: Buffer.from(body) };
}

/** The model bucket behind OAC: the objects synth declared (aws_s3_object with a source file), read-only. */
export async function s3Get(origin: S3Origin, method: string, uri: string): Promise<S3Response> {
  if (method !== "GET" && method !== "HEAD") return accessDenied();
  let key: string;
  try {
    key = decodeURIComponent(`${origin.originPath}${uri}`).replace(/^\//, "");
  } catch {
    return accessDenied();
  }
  const object = origin.objects.get(key);
  if (!object) return accessDenied();
  const [body, info] = await Promise.all([readFile(object.file), stat(object.file)]);
  const headers: HeaderList = [
    { name: "Content-Type", value: object.contentType },
    { name: "ETag", value: `"${createHash("md5").update(body).digest("hex")}"` },
    { name: "Last-Modified", value: info.mtime.toUTCString() },
    { name: "Accept-Ranges", value: "bytes" },
    { name: "x-amz-server-side-encryption", value: "AES256" },
  ];
  if (object.cacheControl) headers.push({ name: "Cache-Control", value: object.cacheControl });
  return { status: 200, headers, body };
}
