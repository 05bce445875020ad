import type { Readable } from "node:stream";
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type PutObjectCommandInput,
} from "@aws-sdk/client-s3";
import { RunnableError, z } from "@runnable-ts/sdk";

/** Connection keys shared by the S3 stores and the catalog (SPEC §13.1). */
export const s3ConfigShape = {
  bucket: z.string({ error: "is required: the bucket to keep runs in (created on first use if absent)" }).min(1),
  prefix: z.string().default(""),
  endpoint: z.url().optional(),
  region: z.string().min(1).default("us-east-1"),
  force_path_style: z.boolean().optional(),
  access_key_id: z.string().min(1).optional(),
  secret_access_key: z.string().min(1).optional(),
};

/** The S3 connection config of a plugin. */
export const s3ConfigSchema = z
  .object(s3ConfigShape)
  .refine((c) => (c.access_key_id === undefined) === (c.secret_access_key === undefined), {
    message: "access_key_id and secret_access_key go together: give both, or neither (the AWS SDK's default credential chain)",
    path: ["secret_access_key"],
  });

/** A validated S3 connection config. */
export type S3Config = z.infer<typeof s3ConfigSchema>;

const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE", "TimeoutError", "RequestTimeout"]);
const DENIED = new Set(["AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "CredentialsProviderError"]);

function errorCode(error: unknown): string {
  const e = error as { name?: string; code?: string; Code?: string; cause?: unknown; errors?: unknown[]; $metadata?: { httpStatusCode?: number } } | undefined;
  // A HEAD request has no body to name the error: its status says it.
  if (e?.$metadata?.httpStatusCode === 403) return "AccessDenied";
  const direct = e?.code ?? e?.Code ?? e?.name ?? "";
  if (UNREACHABLE.has(direct) || DENIED.has(direct)) return direct;
  if (e?.errors?.length) return errorCode(e.errors[0]);
  if (e?.cause) return errorCode(e.cause);
  // Under some module setups the SDK wraps a socket error without its code: read it from the text.
  const inText = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)\b/.exec((error as Error | undefined)?.message ?? "");
  return inText?.[1] ?? direct;
}

/**
 * One bucket on one endpoint, for a plugin: the AWS SDK client set up for S3-compatible servers
 * (path-style addressing with an endpoint; checksums only when required, so that streamed
 * uploads store exactly the bytes given), the bucket created on first use, and errors turned
 * into coded {@link RunnableError}s that name the plugin, endpoint, bucket and key — never the
 * credentials.
 */
export class S3Connection {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  private ready?: Promise<void>;

  constructor(
    private readonly config: S3Config,
    /** e.g. `run-log store "chunked-minio"`. */
    readonly label: string,
  ) {
    this.bucket = config.bucket;
    this.prefix = config.prefix;
    // The SDK warns on stderr, once per process, that its releases of 2027 will need Node 22: not
    // the user's concern on every command (the versions here are pinned).
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    this.client = new S3Client({
      region: config.region,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      forcePathStyle: config.force_path_style ?? config.endpoint !== undefined,
      ...(config.access_key_id && config.secret_access_key ? { credentials: { accessKeyId: config.access_key_id, secretAccessKey: config.secret_access_key } } : {}),
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 5000, requestTimeout: 60000 },
    });
  }

  /** Where this connection points, for messages: `s3://bucket/prefix at endpoint`. */
  get location(): string {
    return `s3://${this.bucket}/${this.prefix} at ${this.config.endpoint ?? `AWS ${this.config.region}`}`;
  }

  /** A coded error for a failed request (`E_ENDPOINT_UNREACHABLE`, `E_ACCESS_DENIED`, else `fallback`). */
  error(error: unknown, operation: string, key?: string, fallback: "E_STORE" | "E_CATALOG" = "E_STORE"): RunnableError {
    const code = errorCode(error);
    const where = `${this.label} (${this.location})`;
    const context = { plugin: this.label, operation, endpoint: this.config.endpoint ?? "aws", bucket: this.bucket, ...(key ? { key } : {}) };
    if (UNREACHABLE.has(code))
      return new RunnableError("E_ENDPOINT_UNREACHABLE", `${where}: cannot reach the endpoint (${code}) during ${operation}. Check that the server is running and the endpoint URL is right.`, context, { cause: error });
    if (DENIED.has(code))
      return new RunnableError("E_ACCESS_DENIED", `${where}: access denied (${code}) during ${operation}${key ? ` of ${key}` : ""}. Check the access key and secret (access_key_id / secret_access_key) and the bucket's policy.`, context, { cause: error });
    const message = (error as Error | undefined)?.message ?? String(error);
    return new RunnableError(fallback, `${where}: ${operation}${key ? ` of ${key}` : ""} failed: ${code ? `${code}: ` : ""}${message}`, context, { cause: error });
  }

  /** Sends a command, mapping failures through {@link error}. */
  async send<T>(operation: string, key: string | undefined, run: () => Promise<T>, fallback: "E_STORE" | "E_CATALOG" = "E_STORE"): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw this.error(error, operation, key, fallback);
    }
  }

  /** Creates the bucket when it is absent (once per connection). */
  ensureBucket(fallback: "E_STORE" | "E_CATALOG" = "E_STORE"): Promise<void> {
    this.ready ??= (async () => {
      try {
        await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
        return;
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status !== 404 && errorCode(error) !== "NotFound" && errorCode(error) !== "NoSuchBucket") throw this.error(error, "bucket check", undefined, fallback);
      }
      try {
        await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
      } catch (error) {
        const code = errorCode(error);
        if (code !== "BucketAlreadyOwnedByYou" && code !== "BucketAlreadyExists") throw this.error(error, "bucket creation", undefined, fallback);
      }
    })().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  /** The object's bytes, or undefined when there is no such key. */
  async getBytes(key: string, fallback: "E_STORE" | "E_CATALOG" = "E_STORE"): Promise<Uint8Array | undefined> {
    await this.ensureBucket(fallback);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return await out.Body!.transformToByteArray();
    } catch (error) {
      if (errorCode(error) === "NoSuchKey" || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
      throw this.error(error, "read", key, fallback);
    }
  }

  /** The object's body as a stream, or undefined when there is no such key. */
  async getStream(key: string, fallback: "E_STORE" | "E_CATALOG" = "E_CATALOG"): Promise<Readable | undefined> {
    await this.ensureBucket(fallback);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.Body as Readable;
    } catch (error) {
      if (errorCode(error) === "NoSuchKey" || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
      throw this.error(error, "read", key, fallback);
    }
  }

  /** Writes an object (a Buffer, a string, or a stream with its `ContentLength`). */
  async put(key: string, body: PutObjectCommandInput["Body"], extra: Partial<PutObjectCommandInput> = {}, fallback: "E_STORE" | "E_CATALOG" = "E_STORE"): Promise<void> {
    await this.ensureBucket(fallback);
    await this.send("write", key, () => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ...extra })), fallback);
  }

  /**
   * Every key under a prefix (all pages), or the common prefixes one level down with a delimiter.
   */
  async list(prefix: string, options: { delimiter?: string; max?: number } = {}, fallback: "E_STORE" | "E_CATALOG" = "E_STORE"): Promise<{ keys: string[]; prefixes: string[] }> {
    await this.ensureBucket(fallback);
    const keys: string[] = [];
    const prefixes: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.send(
        "list",
        prefix,
        () =>
          this.client.send(
            new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token, ...(options.delimiter ? { Delimiter: options.delimiter } : {}), ...(options.max ? { MaxKeys: options.max } : {}) }),
          ),
        fallback,
      );
      for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix !== undefined) prefixes.push(p.Prefix);
      token = page.IsTruncated && !options.max ? page.NextContinuationToken : undefined;
    } while (token);
    return { keys, prefixes };
  }

  /** Releases the client's sockets. */
  close(): void {
    this.client.destroy();
  }
}
