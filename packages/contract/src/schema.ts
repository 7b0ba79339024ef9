// Generated from openapi.json by `npm run contract` (openapi-typescript): do not edit.

export interface paths {
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness and database reachability */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description healthy */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            status: "ok";
                            /** @enum {string} */
                            database: "ok";
                            model: string;
                        };
                    };
                };
                /** @description error */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/auth": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** How to sign in (no sign-in needed), so one web build works with every server */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description sign-in method */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /**
                             * @description none: open; token: the server's VOS_API_TOKEN as a bearer token; cognito: sign in to the user pool
                             * @enum {string}
                             */
                            kind: "none" | "token" | "cognito";
                            /** @description cognito: the user pool's region */
                            region?: string;
                            /** @description cognito: the app client to sign in with */
                            clientId?: string;
                            /** @description cognito: Cognito's JSON API (InitiateAuth, RespondToAuthChallenge) */
                            endpoint?: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/videos": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List videos, newest first */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    /** @description page: ids older than this one */
                    before?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description videos */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            videos: {
                                id: string;
                                title: string;
                                filename: string;
                                /** @enum {string} */
                                status: "uploading" | "queued" | "processing" | "ready" | "failed" | "deleting";
                                sizeBytes: number;
                                durationSec: number | null;
                                width: number | null;
                                height: number | null;
                                fps: number | null;
                                codec: string | null;
                                frameCount: number;
                                objectCount: number;
                                /** @description why processing failed */
                                error: {
                                    code: string;
                                    message: string;
                                } | null;
                                /** @description the latest processing run (its segments summed), with per-stage progress */
                                job: {
                                    id: string;
                                    /** @enum {string} */
                                    status: "queued" | "running" | "succeeded" | "failed";
                                    attempts: number;
                                    maxAttempts: number;
                                    progress: {
                                        /** @enum {string} */
                                        stage: "probe" | "sample" | "embed" | "index" | "done";
                                        stages: {
                                            probe: number;
                                            sample: number;
                                            embed: number;
                                            index: number;
                                        };
                                        frames: {
                                            sampled: number;
                                            embedded: number;
                                            indexed: number;
                                            /** @default 0 */
                                            objects: number;
                                        };
                                    };
                                    lastError: string | null;
                                    /** @description a long video is processed in segments, one job each, in parallel: how they stand (total 1: one job for the whole video) */
                                    segments: {
                                        total: number;
                                        succeeded: number;
                                        running: number;
                                        queued: number;
                                        failed: number;
                                    };
                                    /** @description when a worker first began the run; null while it has only waited */
                                    startedAt: string | null;
                                    /** @description seconds since the run began, while it runs; else null */
                                    elapsedSec: number | null;
                                    /** @description estimated seconds left at the pace so far, while it runs; null until there is a pace */
                                    etaSec: number | null;
                                    /** @description while the run waits: its place among the queued jobs of every run (1: next to start); else null */
                                    queuePlace: number | null;
                                } | null;
                                /** @description the model the video's vectors were made with (null: not processed yet, or processed before models were recorded) */
                                model: {
                                    /** @description the model's identity: sha256:<digest> of a folder's files, or <hub id>@<revision> */
                                    key: string;
                                    name: string;
                                } | null;
                                /** @description URL to play the uploaded file (HTTP Range locally, presigned on AWS) */
                                playbackUrl: string | null;
                                /** @description failed, and its uploaded file is still stored: POST /videos/{id}/retry processes it again */
                                retryable: boolean;
                                createdAt: string;
                                updatedAt: string;
                            }[];
                        };
                    };
                };
                /** @description error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
            };
        };
        put?: never;
        /** Register a video and get where to upload it */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description name of the file being uploaded */
                        filename: string;
                        /** @description exact size of the file in bytes */
                        sizeBytes: number;
                        /**
                         * @description MIME type, video/* or application/octet-stream
                         * @default application/octet-stream
                         */
                        contentType?: string;
                        /** @description title shown in lists; defaults to the file name */
                        title?: string;
                    };
                };
            };
            responses: {
                /** @description created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            video: {
                                id: string;
                                title: string;
                                filename: string;
                                /** @enum {string} */
                                status: "uploading" | "queued" | "processing" | "ready" | "failed" | "deleting";
                                sizeBytes: number;
                                durationSec: number | null;
                                width: number | null;
                                height: number | null;
                                fps: number | null;
                                codec: string | null;
                                frameCount: number;
                                objectCount: number;
                                /** @description why processing failed */
                                error: {
                                    code: string;
                                    message: string;
                                } | null;
                                /** @description the latest processing run (its segments summed), with per-stage progress */
                                job: {
                                    id: string;
                                    /** @enum {string} */
                                    status: "queued" | "running" | "succeeded" | "failed";
                                    attempts: number;
                                    maxAttempts: number;
                                    progress: {
                                        /** @enum {string} */
                                        stage: "probe" | "sample" | "embed" | "index" | "done";
                                        stages: {
                                            probe: number;
                                            sample: number;
                                            embed: number;
                                            index: number;
                                        };
                                        frames: {
                                            sampled: number;
                                            embedded: number;
                                            indexed: number;
                                            /** @default 0 */
                                            objects: number;
                                        };
                                    };
                                    lastError: string | null;
                                    /** @description a long video is processed in segments, one job each, in parallel: how they stand (total 1: one job for the whole video) */
                                    segments: {
                                        total: number;
                                        succeeded: number;
                                        running: number;
                                        queued: number;
                                        failed: number;
                                    };
                                    /** @description when a worker first began the run; null while it has only waited */
                                    startedAt: string | null;
                                    /** @description seconds since the run began, while it runs; else null */
                                    elapsedSec: number | null;
                                    /** @description estimated seconds left at the pace so far, while it runs; null until there is a pace */
                                    etaSec: number | null;
                                    /** @description while the run waits: its place among the queued jobs of every run (1: next to start); else null */
                                    queuePlace: number | null;
                                } | null;
                                /** @description the model the video's vectors were made with (null: not processed yet, or processed before models were recorded) */
                                model: {
                                    /** @description the model's identity: sha256:<digest> of a folder's files, or <hub id>@<revision> */
                                    key: string;
                                    name: string;
                                } | null;
                                /** @description URL to play the uploaded file (HTTP Range locally, presigned on AWS) */
                                playbackUrl: string | null;
                                /** @description failed, and its uploaded file is still stored: POST /videos/{id}/retry processes it again */
                                retryable: boolean;
                                createdAt: string;
                                updatedAt: string;
                            };
                            /** @description where and how to send the file's bytes */
                            upload: {
                                /** @enum {string} */
                                kind: "put";
                                /** @enum {string} */
                                method: "PUT";
                                /** @description PUT the file here, whole or in chunks with Content-Range; GET it for the bytes received */
                                url: string;
                                headers: {
                                    [key: string]: string;
                                };
                                /** @description largest chunk to send per request */
                                chunkBytes: number;
                            } | {
                                /** @enum {string} */
                                kind: "multipart";
                                uploadId: string;
                                /** @description size of every part but the last */
                                partBytes: number;
                                parts: {
                                    partNumber: number;
                                    /** @description presigned PUT URL */
                                    url: string;
                                }[];
                            };
                        };
                    };
                };
                /** @description error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/videos/{id}/upload": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Bytes received so far, to resume an interrupted upload */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description video id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description received */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            received: number;
                            sizeBytes: number;
                        };
                    };
                };
                /** @description error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
            };
        };
        /** Upload the video's bytes: the whole file, or a chunk with Content-Range (local runtime) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description video id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description stored */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            received: number;
                            sizeBytes: number;
                        };
                    };
                };
                /** @description error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/videos/{id}/upload/parts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Fresh URLs for the rest of an unfinished upload (S3: the same multipart upload, every part presigned again)
         * @description For a client resuming after its part URLs expired: the upload id and the parts already sent stay. Only a video still uploading qualifies (409 video.invalid_state); a file already whole needs only completing (409 upload.stored). The local runtime answers its `put` target.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description video id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description where to send the rest */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description where and how to send the file's bytes */
                            upload: {
                                /** @enum {string} */
                                kind: "put";
                                /** @enum {string} */
                                method: "PUT";
                                /** @description PUT the file here, whole or in chunks with Content-Range; GET it for the bytes received */
                                url: string;
                                headers: {
                                    [key: string]: string;
                                };
                                /** @description largest chunk to send per request */
                                chunkBytes: number;
                            } | {
                                /** @enum {string} */
                                kind: "multipart";
                                uploadId: string;
                                /** @description size of every part but the last */
                                partBytes: number;
                                parts: {
                                    partNumber: number;
                                    /** @description presigned PUT URL */
                                    url: string;
                                }[];
                            };
                        };
                    };
                };
                /** @description error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/videos/{id}/complete": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Finish the upload and queue processing */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description video id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: {
                content: {
                    "application/json": {
                        /** @description S3 multipart uploads: each part's number and ETag */
                        parts?: {
                            partNumber: number;
                            etag: string;
                        }[];
                    };
                };
            };
            responses: {
                /** @description queued */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            title: string;
                            filename: string;
                            /** @enum {string} */
                            status: "uploading" | "queued" | "processing" | "ready" | "failed" | "deleting";
                            sizeBytes: number;
                            durationSec: number | null;
                            width: number | null;
                            height: number | null;
                            fps: number | null;
                            codec: string | null;
                            frameCount: number;
                            objectCount: number;
                            /** @description why processing failed */
                            error: {
                                code: string;
                                message: string;
                            } | null;
                            /** @description the latest processing run (its segments summed), with per-stage progress */
                            job: {
                                id: string;
                                /** @enum {string} */
                                status: "queued" | "running" | "succeeded" | "failed";
                                attempts: number;
                                maxAttempts: number;
                                progress: {
                                    /** @enum {string} */
                                    stage: "probe" | "sample" | "embed" | "index" | "done";
                                    stages: {
                                        probe: number;
                                        sample: number;
                                        embed: number;
                                        index: number;
                                    };
                                    frames: {
                                        sampled: number;
                                        embedded: number;
                                        indexed: number;
                                        /** @default 0 */
                                        objects: number;
                                    };
                                };
                                lastError: string | null;
                                /** @description a long video is processed in segments, one job each, in parallel: how they stand (total 1: one job for the whole video) */
                                segments: {
                                    total: number;
                                    succeeded: number;
                                    running: number;
                                    queued: number;
                                    failed: number;
                                };
                                /** @description when a worker first began the run; null while it has only waited */
                                startedAt: string | null;
                                /** @description seconds since the run began, while it runs; else null */
                                elapsedSec: number | null;
                                /** @description estimated seconds left at the pace so far, while it runs; null until there is a pace */
                                etaSec: number | null;
                                /** @description while the run waits: its place among the queued jobs of every run (1: next to start); else null */
                                queuePlace: number | null;
                            } | null;
                            /** @description the model the video's vectors were made with (null: not processed yet, or processed before models were recorded) */
                            model: {
                                /** @description the model's identity: sha256:<digest> of a folder's files, or <hub id>@<revision> */
                                key: string;
                                name: string;
                            } | null;
                            /** @description URL to play the uploaded file (HTTP Range locally, presigned on AWS) */
                            playbackUrl: string | null;
                            /** @description failed, and its uploaded file is still stored: POST /videos/{id}/retry processes it again */
                            retryable: boolean;
                            createdAt: string;
                            updatedAt: string;
                        };
                    };
                };
                /** @description error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/videos/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Process a failed video again from its stored upload (a new job with fresh attempts)
         * @description Only a failed video whose upload is still stored (`retryable: true`) qualifies; a failure on bad input removed the file (409 video.not_retryable). A video already queued or processing is answered as it is.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description video id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description queued again */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            title: string;
                            filename: string;
                            /** @enum {string} */
                            status: "uploading" | "queued" | "processing" | "ready" | "failed" | "deleting";
                            sizeBytes: number;
                            durationSec: number | null;
                            width: number | null;
                            height: number | null;
                            fps: number | null;
                            codec: string | null;
                            frameCount: number;
                            objectCount: number;
                            /** @description why processing failed */
                            error: {
                                code: string;
                                message: string;
                            } | null;
                            /** @description the latest processing run (its segments summed), with per-stage progress */
                            job: {
                                id: string;
                                /** @enum {string} */
                                status: "queued" | "running" | "succeeded" | "failed";
                                attempts: number;
                                maxAttempts: number;
                                progress: {
                                    /** @enum {string} */
                                    stage: "probe" | "sample" | "embed" | "index" | "done";
                                    stages: {
                                        probe: number;
                                        sample: number;
                                        embed: number;
                                        index: number;
                                    };
                                    frames: {
                                        sampled: number;
                                        embedded: number;
                                        indexed: number;
                                        /** @default 0 */
                                        objects: number;
                                    };
                                };
                                lastError: string | null;
                                /** @description a long video is processed in segments, one job each, in parallel: how they stand (total 1: one job for the whole video) */
                                segments: {
                                    total: number;
                                    succeeded: number;
                                    running: number;
                                    queued: number;
                                    failed: number;
                                };
                                /** @description when a worker first began the run; null while it has only waited */
                                startedAt: string | null;
                                /** @description seconds since the run began, while it runs; else null */
                                elapsedSec: number | null;
                                /** @description estimated seconds left at the pace so far, while it runs; null until there is a pace */
                                etaSec: number | null;
                                /** @description while the run waits: its place among the queued jobs of every run (1: next to start); else null */
                                queuePlace: number | null;
                            } | null;
                            /** @description the model the video's vectors were made with (null: not processed yet, or processed before models were recorded) */
                            model: {
                                /** @description the model's identity: sha256:<digest> of a folder's files, or <hub id>@<revision> */
                                key: string;
                                name: string;
                            } | null;
                            /** @description URL to play the uploaded file (HTTP Range locally, presigned on AWS) */
                            playbackUrl: string | null;
                            /** @description failed, and its uploaded file is still stored: POST /videos/{id}/retry processes it again */
                            retryable: boolean;
                            createdAt: string;
                            updatedAt: string;
                        };
                    };
                };
                /** @description error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/videos/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A video with its status, per-stage progress, counts and error */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description video id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the video */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            title: string;
                            filename: string;
                            /** @enum {string} */
                            status: "uploading" | "queued" | "processing" | "ready" | "failed" | "deleting";
                            sizeBytes: number;
                            durationSec: number | null;
                            width: number | null;
                            height: number | null;
                            fps: number | null;
                            codec: string | null;
                            frameCount: number;
                            objectCount: number;
                            /** @description why processing failed */
                            error: {
                                code: string;
                                message: string;
                            } | null;
                            /** @description the latest processing run (its segments summed), with per-stage progress */
                            job: {
                                id: string;
                                /** @enum {string} */
                                status: "queued" | "running" | "succeeded" | "failed";
                                attempts: number;
                                maxAttempts: number;
                                progress: {
                                    /** @enum {string} */
                                    stage: "probe" | "sample" | "embed" | "index" | "done";
                                    stages: {
                                        probe: number;
                                        sample: number;
                                        embed: number;
                                        index: number;
                                    };
                                    frames: {
                                        sampled: number;
                                        embedded: number;
                                        indexed: number;
                                        /** @default 0 */
                                        objects: number;
                                    };
                                };
                                lastError: string | null;
                                /** @description a long video is processed in segments, one job each, in parallel: how they stand (total 1: one job for the whole video) */
                                segments: {
                                    total: number;
                                    succeeded: number;
                                    running: number;
                                    queued: number;
                                    failed: number;
                                };
                                /** @description when a worker first began the run; null while it has only waited */
                                startedAt: string | null;
                                /** @description seconds since the run began, while it runs; else null */
                                elapsedSec: number | null;
                                /** @description estimated seconds left at the pace so far, while it runs; null until there is a pace */
                                etaSec: number | null;
                                /** @description while the run waits: its place among the queued jobs of every run (1: next to start); else null */
                                queuePlace: number | null;
                            } | null;
                            /** @description the model the video's vectors were made with (null: not processed yet, or processed before models were recorded) */
                            model: {
                                /** @description the model's identity: sha256:<digest> of a folder's files, or <hub id>@<revision> */
                                key: string;
                                name: string;
                            } | null;
                            /** @description URL to play the uploaded file (HTTP Range locally, presigned on AWS) */
                            playbackUrl: string | null;
                            /** @description failed, and its uploaded file is still stored: POST /videos/{id}/retry processes it again */
                            retryable: boolean;
                            createdAt: string;
                            updatedAt: string;
                        };
                    };
                };
                /** @description error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /**
         * Delete a video with its frames, files and vectors
         * @description The video reads `deleting` until everything is removed. A deletion cut short (the request timed out, the server stopped) can be sent again; otherwise the server finishes it: `vos serve` at its next start, on AWS the reconciler once the mark is 10 minutes old.
         */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description video id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description deleted */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            deleted: string;
                            vectors: number;
                            files: number;
                        };
                    };
                };
                /** @description error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/search": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Find moments by words */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description what to look for, in words */
                        text: string;
                        /** @description only search this video */
                        videoId?: string;
                        /**
                         * @description most results to return
                         * @default 10
                         */
                        limit?: number;
                        /** @description drop hits scoring below this cosine similarity */
                        minScore?: number;
                        /**
                         * @description what to return: frames (moments), objects, or both
                         * @default [
                         *       "frame",
                         *       "object"
                         *     ]
                         */
                        kinds?: ("frame" | "object")[];
                        /**
                         * @description also search videos still being processed (what their finished parts hold so far); false: only videos that are ready
                         * @default true
                         */
                        includeProcessing?: boolean;
                    };
                };
            };
            responses: {
                /** @description moments, best first */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            hits: ({
                                /** @enum {string} */
                                kind: "frame";
                                videoId: string;
                                videoTitle: string;
                                /** @description where the player seeks: the best frame's time */
                                timeSec: number;
                                /** @description start of the moment, seconds */
                                start: number;
                                /** @description end of the moment, seconds */
                                end: number;
                                /** @description cosine similarity to the query */
                                score: number;
                                frameNo: number;
                                thumbnailUrl: string;
                            } | {
                                /** @enum {string} */
                                kind: "object";
                                videoId: string;
                                videoTitle: string;
                                /** @description where the player seeks: the time of the detection that matched best */
                                timeSec: number;
                                /** @description the track's first moment, seconds */
                                start: number;
                                /** @description the end of the track's last sampled frame, seconds */
                                end: number;
                                /** @description cosine similarity to the query */
                                score: number;
                                /** @description the frame of the detection that matched best */
                                frameNo: number;
                                thumbnailUrl: string;
                                /** @description the detection that matched best (one hit per track) */
                                objectId: string;
                                /** @description the detector's label */
                                label: string;
                                detectorScore: number;
                                /** @description the object's box at timeSec */
                                box: {
                                    x: number;
                                    y: number;
                                    w: number;
                                    h: number;
                                };
                                /** @description the track the object belongs to (see GET /api/videos/{id}/tracks) */
                                trackId: string;
                                /** @description detections along the track: sampled frames the object is seen in */
                                detections: number;
                                /** @description the query named this object's label */
                                labelMatch: boolean;
                            })[];
                            /** @description set when some ready videos were indexed with another model than the one answering: they are not in these hits until they are indexed again */
                            modelMismatch: {
                                /** @enum {string} */
                                code: "search.model_mismatch";
                                message: string;
                                /** @description ready videos this search could not reach */
                                videos: number;
                                /** @description the model that answered */
                                model: {
                                    key: string;
                                    name: string;
                                };
                                /** @description the models those videos were indexed with */
                                others: {
                                    key: string;
                                    name: string;
                                    videos: number;
                                }[];
                            } | null;
                        };
                    };
                };
                /** @description error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/search/image": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Find moments that look like a picture
         * @description The picture may be up to 20 MB on this server; a larger one answers 413 image.too_large. It must be JPEG, PNG, WebP, GIF (first frame), AVIF or TIFF of at most 64 megapixels (AVIF: 16), checked from its header before a pixel is decoded: another type (SVG included) answers 415 image.unsupported_type, more pixels 413 image.too_many_pixels.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "multipart/form-data": {
                        /**
                         * Format: binary
                         * @description the picture to look for (JPEG, PNG, WebP, GIF, AVIF or TIFF); required
                         */
                        image?: Blob;
                        videoId?: string;
                        /** @default 10 */
                        limit?: number;
                        minScore?: number | null;
                        /** @description comma-separated: frame, object (default both) */
                        kinds?: string;
                        /**
                         * @description false: only videos that are ready (default true: also what processing videos hold so far)
                         * @enum {string}
                         */
                        includeProcessing?: "true" | "false";
                    };
                };
            };
            responses: {
                /** @description moments, best first, and the picture searched for as it is kept */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            hits: ({
                                /** @enum {string} */
                                kind: "frame";
                                videoId: string;
                                videoTitle: string;
                                /** @description where the player seeks: the best frame's time */
                                timeSec: number;
                                /** @description start of the moment, seconds */
                                start: number;
                                /** @description end of the moment, seconds */
                                end: number;
                                /** @description cosine similarity to the query */
                                score: number;
                                frameNo: number;
                                thumbnailUrl: string;
                            } | {
                                /** @enum {string} */
                                kind: "object";
                                videoId: string;
                                videoTitle: string;
                                /** @description where the player seeks: the time of the detection that matched best */
                                timeSec: number;
                                /** @description the track's first moment, seconds */
                                start: number;
                                /** @description the end of the track's last sampled frame, seconds */
                                end: number;
                                /** @description cosine similarity to the query */
                                score: number;
                                /** @description the frame of the detection that matched best */
                                frameNo: number;
                                thumbnailUrl: string;
                                /** @description the detection that matched best (one hit per track) */
                                objectId: string;
                                /** @description the detector's label */
                                label: string;
                                detectorScore: number;
                                /** @description the object's box at timeSec */
                                box: {
                                    x: number;
                                    y: number;
                                    w: number;
                                    h: number;
                                };
                                /** @description the track the object belongs to (see GET /api/videos/{id}/tracks) */
                                trackId: string;
                                /** @description detections along the track: sampled frames the object is seen in */
                                detections: number;
                                /** @description the query named this object's label */
                                labelMatch: boolean;
                            })[];
                            /** @description set when some ready videos were indexed with another model than the one answering: they are not in these hits until they are indexed again */
                            modelMismatch: {
                                /** @enum {string} */
                                code: "search.model_mismatch";
                                message: string;
                                /** @description ready videos this search could not reach */
                                videos: number;
                                /** @description the model that answered */
                                model: {
                                    key: string;
                                    name: string;
                                };
                                /** @description the models those videos were indexed with */
                                others: {
                                    key: string;
                                    name: string;
                                    videos: number;
                                }[];
                            } | null;
                            /** @description the picture searched for, kept 7 days after it was last sent: search with its id again (POST /api/search/image/{id}) or put it in a link */
                            picture: {
                                /** @description a kept picture: the sha256 of its bytes */
                                id: string;
                                /** @description where a browser can fetch the picture, as kept: a JPEG of at most 448 px on its short side (on AWS a presigned URL valid for an hour) */
                                url: string;
                            };
                        };
                    };
                };
                /** @description error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/search/image/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Find moments that look like a picture searched for before
         * @description The picture a picture search kept (its answer's picture.id), without sending it again: for a reload, a shared link or other filters. Kept 7 days after it was last sent; after that 404 search.picture_expired.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description a kept picture: the sha256 of its bytes */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description only search this video */
                        videoId?: string;
                        /**
                         * @description most results to return
                         * @default 10
                         */
                        limit?: number;
                        /** @description drop hits scoring below this cosine similarity */
                        minScore?: number;
                        /**
                         * @description what to return: frames (moments), objects, or both
                         * @default [
                         *       "frame",
                         *       "object"
                         *     ]
                         */
                        kinds?: ("frame" | "object")[];
                        /**
                         * @description also search videos still being processed (what their finished parts hold so far); false: only videos that are ready
                         * @default true
                         */
                        includeProcessing?: boolean;
                    };
                };
            };
            responses: {
                /** @description moments, best first, and the picture searched for as it is kept */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            hits: ({
                                /** @enum {string} */
                                kind: "frame";
                                videoId: string;
                                videoTitle: string;
                                /** @description where the player seeks: the best frame's time */
                                timeSec: number;
                                /** @description start of the moment, seconds */
                                start: number;
                                /** @description end of the moment, seconds */
                                end: number;
                                /** @description cosine similarity to the query */
                                score: number;
                                frameNo: number;
                                thumbnailUrl: string;
                            } | {
                                /** @enum {string} */
                                kind: "object";
                                videoId: string;
                                videoTitle: string;
                                /** @description where the player seeks: the time of the detection that matched best */
                                timeSec: number;
                                /** @description the track's first moment, seconds */
                                start: number;
                                /** @description the end of the track's last sampled frame, seconds */
                                end: number;
                                /** @description cosine similarity to the query */
                                score: number;
                                /** @description the frame of the detection that matched best */
                                frameNo: number;
                                thumbnailUrl: string;
                                /** @description the detection that matched best (one hit per track) */
                                objectId: string;
                                /** @description the detector's label */
                                label: string;
                                detectorScore: number;
                                /** @description the object's box at timeSec */
                                box: {
                                    x: number;
                                    y: number;
                                    w: number;
                                    h: number;
                                };
                                /** @description the track the object belongs to (see GET /api/videos/{id}/tracks) */
                                trackId: string;
                                /** @description detections along the track: sampled frames the object is seen in */
                                detections: number;
                                /** @description the query named this object's label */
                                labelMatch: boolean;
                            })[];
                            /** @description set when some ready videos were indexed with another model than the one answering: they are not in these hits until they are indexed again */
                            modelMismatch: {
                                /** @enum {string} */
                                code: "search.model_mismatch";
                                message: string;
                                /** @description ready videos this search could not reach */
                                videos: number;
                                /** @description the model that answered */
                                model: {
                                    key: string;
                                    name: string;
                                };
                                /** @description the models those videos were indexed with */
                                others: {
                                    key: string;
                                    name: string;
                                    videos: number;
                                }[];
                            } | null;
                            /** @description the picture searched for, kept 7 days after it was last sent: search with its id again (POST /api/search/image/{id}) or put it in a link */
                            picture: {
                                /** @description a kept picture: the sha256 of its bytes */
                                id: string;
                                /** @description where a browser can fetch the picture, as kept: a JPEG of at most 448 px on its short side (on AWS a presigned URL valid for an hour) */
                                url: string;
                            };
                        };
                    };
                };
                /** @description error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/videos/{id}/objects": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Objects found in a video, with boxes and labels (explicit, propagated, probable) */
        get: {
            parameters: {
                query?: {
                    probable?: "true" | "false";
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description objects */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            objects: {
                                /** @description object id, `<videoId>#o<frameNo>.<k>` (URL-encode the #) */
                                id: string;
                                videoId: string;
                                frameNo: number;
                                timeSec: number;
                                endSec: number;
                                /** @description the detector's label */
                                label: string;
                                /** @description the detector's confidence */
                                score: number;
                                /** @description box normalised to the frame (0-1), x/y = top-left */
                                box: {
                                    x: number;
                                    y: number;
                                    w: number;
                                    h: number;
                                };
                                /** @description the track the object belongs to (see GET /api/videos/{id}/tracks) */
                                trackId: string;
                                cropUrl: string;
                                labels: {
                                    label: string;
                                    /** @enum {string} */
                                    polarity: "positive" | "negative";
                                    /**
                                     * @description set by a person, carried to a near-duplicate, or voted by neighbours
                                     * @enum {string}
                                     */
                                    source: "explicit" | "propagated" | "probable";
                                }[];
                            }[];
                        };
                    };
                };
                /** @description error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/videos/{id}/tracks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Tracks in a video: each object followed from frame to frame, with its box in each sampled frame */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description tracks, in order of their start */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            tracks: {
                                /** @description track id, `<videoId>#t<frameNo>.<k>` (its first detection's frame and index) */
                                id: string;
                                videoId: string;
                                /** @description the detector's label */
                                label: string;
                                /** @description seconds: the first sampled frame the object is seen in */
                                start: number;
                                /** @description seconds: the end of the last sampled frame it is seen in */
                                end: number;
                                /** @description the detector's highest confidence along the track */
                                score: number;
                                /** @description the track's most confident detection (an object id) */
                                bestObjectId: string;
                                /** @description the box in each sampled frame the object is seen in, in time order */
                                boxes: {
                                    x: number;
                                    y: number;
                                    w: number;
                                    h: number;
                                    timeSec: number;
                                }[];
                            }[];
                        };
                    };
                };
                /** @description error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/objects/{objectId}/similar": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Objects that look like this one, from its stored vector */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description object id, `<videoId>#o<frameNo>.<k>`, URL-encoded */
                    objectId: string;
                };
                cookie?: never;
            };
            requestBody?: {
                content: {
                    "application/json": {
                        /**
                         * @description similarity threshold chosen in the UI
                         * @default 0.8
                         */
                        minScore?: number;
                        /** @default 30 */
                        limit?: number;
                        /**
                         * @description focused: neighbours of this object; expanded: also neighbours of the mean of it and its best matches, and objects with the same label (all at or above minScore)
                         * @default focused
                         * @enum {string}
                         */
                        mode?: "focused" | "expanded";
                        /** @description only look in this video */
                        videoId?: string;
                    };
                };
            };
            responses: {
                /** @description similar objects, best first */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            hits: {
                                /** @enum {string} */
                                kind: "object";
                                videoId: string;
                                videoTitle: string;
                                /** @description where the player seeks: the time of the detection that matched best */
                                timeSec: number;
                                /** @description the track's first moment, seconds */
                                start: number;
                                /** @description the end of the track's last sampled frame, seconds */
                                end: number;
                                /** @description cosine similarity to the query */
                                score: number;
                                /** @description the frame of the detection that matched best */
                                frameNo: number;
                                thumbnailUrl: string;
                                /** @description the detection that matched best (one hit per track) */
                                objectId: string;
                                /** @description the detector's label */
                                label: string;
                                detectorScore: number;
                                /** @description the object's box at timeSec */
                                box: {
                                    x: number;
                                    y: number;
                                    w: number;
                                    h: number;
                                };
                                /** @description the track the object belongs to (see GET /api/videos/{id}/tracks) */
                                trackId: string;
                                /** @description detections along the track: sampled frames the object is seen in */
                                detections: number;
                                /** @description the query named this object's label */
                                labelMatch: boolean;
                            }[];
                        };
                    };
                };
                /** @description error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/objects/{objectId}/labels": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Label an object and its track positive or negative (positive labels also go to near-duplicates and their tracks) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description object id, `<videoId>#o<frameNo>.<k>`, URL-encoded */
                    objectId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description the name to give the object, e.g. 'my red mug' */
                        label: string;
                        /**
                         * @description positive: it is this; negative: it is not
                         * @default positive
                         * @enum {string}
                         */
                        polarity?: "positive" | "negative";
                        /**
                         * @description also label near-duplicates of the object (and their tracks); the object's own track is always labelled
                         * @default true
                         */
                        propagate?: boolean;
                    };
                };
            };
            responses: {
                /** @description labelled */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            label: {
                                label: string;
                                /** @enum {string} */
                                polarity: "positive" | "negative";
                                /**
                                 * @description set by a person, carried to a near-duplicate, or voted by neighbours
                                 * @enum {string}
                                 */
                                source: "explicit" | "propagated" | "probable";
                            };
                            /** @description the object's track, labelled along with it */
                            track: string;
                            /** @description every other object the label went to: the rest of the track, near-duplicates and their tracks */
                            propagatedTo: string[];
                            /** @description the near-duplicates' tracks the label was carried to (not the object's own) */
                            carriedToTracks: string[];
                        };
                    };
                };
                /** @description error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/objects/{objectId}/labels/{label}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Remove a label from an object */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description object id, `<videoId>#o<frameNo>.<k>`, URL-encoded */
                    objectId: string;
                    label: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description removed */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            removed: boolean;
                        };
                    };
                };
                /** @description error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/activity": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The fleet at a glance: jobs by state, workers running now, throughput, time left per video, recent failures, dead letters */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the tenant's processing, now */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            generatedAt: string;
                            /** @description jobs (one per segment of a long video) by state */
                            jobs: {
                                queued: number;
                                running: number;
                                failedLastDay: number;
                                succeededLastHour: number;
                            };
                            /** @description what runs now */
                            workers: {
                                jobId: string;
                                /** @description the worker-pool slot or ECS task running it */
                                taskId: string | null;
                                videoId: string;
                                videoTitle: string;
                                /** @description 0-based */
                                segment: number;
                                segments: number;
                                /** @enum {string} */
                                stage: "probe" | "sample" | "embed" | "index" | "done";
                                framesIndexed: number;
                                attempt: number;
                                /** @description when it last reported */
                                since: string;
                            }[];
                            throughput: {
                                windowSec: number;
                                frames: number;
                                objects: number;
                                framesPerSec: number;
                                objectsPerSec: number;
                            };
                            /** @description videos queued or processing, oldest first */
                            videos: {
                                id: string;
                                title: string;
                                /** @enum {string} */
                                status: "queued" | "processing";
                                segments: {
                                    total: number;
                                    succeeded: number;
                                    running: number;
                                    queued: number;
                                    failed: number;
                                };
                                /** @description share of the video indexed */
                                done: number;
                                elapsedSec: number;
                                /** @description time left at the pace so far; null until there is a pace */
                                etaSec: number | null;
                            }[];
                            /** @description the latest failed jobs of the last day, newest first */
                            failures: {
                                jobId: string;
                                videoId: string;
                                videoTitle: string;
                                segment: number;
                                code: string | null;
                                message: string | null;
                                at: string;
                            }[];
                            /** @description jobs that gave up and wait on the dead letters for a redrive, oldest first */
                            deadLetters: {
                                /** @description the dead letter's id: what a redrive takes */
                                id: string;
                                jobId: string;
                                videoId: string;
                                /** @description null when the video was deleted since */
                                videoTitle: string | null;
                                /** @description 0-based; null when the job is gone */
                                segment: number | null;
                                reason: string;
                                failedAt: string | null;
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/dead-letters/{id}/redrive": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send a dead letter back to the jobs queue: its job runs again with fresh attempts
         * @description The job that gave up is revived when a worker takes the message (its video is queued again, keeping what other segments indexed); a job whose video was deleted since is dropped then. AWS: the message moves from the dead-letter queue to the jobs queue; the local runtime makes its dead job deliverable again.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the dead letter's id, from GET /activity */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description sent back to the jobs queue */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            deadLetter: {
                                /** @description the dead letter's id: what a redrive takes */
                                id: string;
                                jobId: string;
                                videoId: string;
                                /** @description null when the video was deleted since */
                                videoTitle: string | null;
                                /** @description 0-based; null when the job is gone */
                                segment: number | null;
                                reason: string;
                                failedAt: string | null;
                            };
                        };
                    };
                };
                /** @description error */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reindex": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The library's model, the configured one, and the latest re-index, video by video */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the library now */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /**
                             * @description idle: no re-index is running (`videos` lists the last one's, if any); running; failed: a job failed and holds the switch (start the re-index again to resume it)
                             * @enum {string}
                             */
                            state: "idle" | "running" | "failed";
                            /** @description the library's model: searches and new videos use it; null before the first video */
                            model: {
                                /** @description the model's identity (sha256:<digest> of a folder's files, or <hub id>@<revision>) */
                                key: string;
                                name: string;
                            } | null;
                            /** @description the model a running re-index moves the library to */
                            target: {
                                /** @description the model's identity (sha256:<digest> of a folder's files, or <hub id>@<revision>) */
                                key: string;
                                name: string;
                            } | null;
                            /** @description the model this server is configured with (VOS_CLIP_MODEL): what a re-index moves to by default; null when it cannot be loaded (`configuredError` says why) */
                            configured: {
                                /** @description the model's identity (sha256:<digest> of a folder's files, or <hub id>@<revision>) */
                                key: string;
                                name: string;
                            } | null;
                            /** @description why the configured model cannot be loaded (its folder gone, a hub model not downloaded with downloads off); null when it loads */
                            configuredError: {
                                code: string;
                                message: string;
                            } | null;
                            /** @description the text model searches embed their words with when it is another model's (VOS_CLIP_TEXT_MODEL: searches in other languages, with the configured model's images); null: the configured model's own text half */
                            textModel: string | null;
                            /** @description ready videos not indexed with the configured model: what a re-index to it would re-embed. When the configured model cannot be loaded, ready videos not indexed with the library's model (0 before the first video) */
                            toMove: number;
                            /** Format: date-time */
                            startedAt: string | null;
                            videos: {
                                videoId: string;
                                /** @description null: the video was deleted since */
                                title: string | null;
                                /** @enum {string} */
                                status: "queued" | "running" | "succeeded" | "failed";
                                /** @description frames whose vectors the target model has made */
                                frames: number;
                                /** @description objects whose vectors the target model has made */
                                objects: number;
                                /** @description null until the job has started */
                                totalFrames: number | null;
                                totalObjects: number | null;
                                /** @description images (frames, crops) smaller than the model's input, enlarged to it */
                                enlarged: number;
                                /**
                                 * @description where the images came from: stored (the thumbnails and crops ingest kept, at least the model's input), video (decoded again: the thumbnails, 320 px wide, are smaller than the model's input); null until the job has started
                                 * @enum {string|null}
                                 */
                                source: "stored" | "video" | null;
                                error: string | null;
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        /**
         * Re-index the library with another model, from the stored thumbnails and crops
         * @description Every ready video's frames and objects are embedded again with the model named (default: the configured one), one job per video, while searches keep using the library's model. When every job has succeeded, the library switches to the new model at once and the old vectors are removed. Starting again while a re-index to the same model runs resumes it (its failed jobs get fresh attempts); a re-index to another model must finish first (409 reindex.running), and a re-index back to a model whose old vectors are being removed waits for that (409 reindex.removing_old_vectors). Without a model named, a configured model that cannot be loaded answers 503 with the reason (GET /reindex shows it as `configuredError`).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: {
                content: {
                    "application/json": {
                        /** @description the configured model (default) or one the library used before: its key, name or source */
                        model?: string;
                    };
                };
            };
            responses: {
                /** @description started (or resumed, or nothing to do) */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /**
                             * @description idle: no re-index is running (`videos` lists the last one's, if any); running; failed: a job failed and holds the switch (start the re-index again to resume it)
                             * @enum {string}
                             */
                            state: "idle" | "running" | "failed";
                            /** @description the library's model: searches and new videos use it; null before the first video */
                            model: {
                                /** @description the model's identity (sha256:<digest> of a folder's files, or <hub id>@<revision>) */
                                key: string;
                                name: string;
                            } | null;
                            /** @description the model a running re-index moves the library to */
                            target: {
                                /** @description the model's identity (sha256:<digest> of a folder's files, or <hub id>@<revision>) */
                                key: string;
                                name: string;
                            } | null;
                            /** @description the model this server is configured with (VOS_CLIP_MODEL): what a re-index moves to by default; null when it cannot be loaded (`configuredError` says why) */
                            configured: {
                                /** @description the model's identity (sha256:<digest> of a folder's files, or <hub id>@<revision>) */
                                key: string;
                                name: string;
                            } | null;
                            /** @description why the configured model cannot be loaded (its folder gone, a hub model not downloaded with downloads off); null when it loads */
                            configuredError: {
                                code: string;
                                message: string;
                            } | null;
                            /** @description the text model searches embed their words with when it is another model's (VOS_CLIP_TEXT_MODEL: searches in other languages, with the configured model's images); null: the configured model's own text half */
                            textModel: string | null;
                            /** @description ready videos not indexed with the configured model: what a re-index to it would re-embed. When the configured model cannot be loaded, ready videos not indexed with the library's model (0 before the first video) */
                            toMove: number;
                            /** Format: date-time */
                            startedAt: string | null;
                            videos: {
                                videoId: string;
                                /** @description null: the video was deleted since */
                                title: string | null;
                                /** @enum {string} */
                                status: "queued" | "running" | "succeeded" | "failed";
                                /** @description frames whose vectors the target model has made */
                                frames: number;
                                /** @description objects whose vectors the target model has made */
                                objects: number;
                                /** @description null until the job has started */
                                totalFrames: number | null;
                                totalObjects: number | null;
                                /** @description images (frames, crops) smaller than the model's input, enlarged to it */
                                enlarged: number;
                                /**
                                 * @description where the images came from: stored (the thumbnails and crops ingest kept, at least the model's input), video (decoded again: the thumbnails, 320 px wide, are smaller than the model's input); null until the job has started
                                 * @enum {string|null}
                                 */
                                source: "stored" | "video" | null;
                                error: string | null;
                            }[];
                        };
                    };
                };
                /** @description error */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
                /** @description error */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description stable dotted code, e.g. video.not_found */
                            code: string;
                            /** @description what went wrong and what to do */
                            message: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: never;
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
