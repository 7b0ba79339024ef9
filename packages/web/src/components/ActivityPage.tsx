import { useState } from "react";
import { messageOf, type ApiClient } from "../api/client";
import type { Activity, DeadLetter } from "../api/types";
import { formatTime, percent } from "../lib/format";
import { ACTIVITY_POLL_MS, useActivity } from "../lib/use-activity";
import { RetryIcon } from "./Icons";

export interface ActivityPageProps {
  api: Pick<ApiClient, "activity" | "redrive">;
}

/** "4 s ago", "3 min ago", from an ISO time and now. */
export function ago(iso: string, now: number): string {
  const sec = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (sec < 60) return `${sec} s ago`;
  if (sec < 3600) return `${Math.floor(sec / 60)} min ago`;
  return `${Math.floor(sec / 3600)} h ago`;
}

const segmentOf = (segment: number | null, segments?: number) => (segment === null ? "" : segments ? `${segment + 1}/${segments}` : String(segment + 1));

function Stats({ activity }: { activity: Activity }) {
  const { jobs, throughput } = activity;
  const minutes = Math.round(throughput.windowSec / 60);
  const items: [string, string][] = [
    ["Queued", jobs.queued.toLocaleString("en")],
    ["Running", jobs.running.toLocaleString("en")],
    ["Failed, last day", jobs.failedLastDay.toLocaleString("en")],
    ["Done, last hour", jobs.succeededLastHour.toLocaleString("en")],
    [`Frames/s, last ${minutes} min`, throughput.framesPerSec.toFixed(2)],
    [`Objects/s, last ${minutes} min`, throughput.objectsPerSec.toFixed(2)],
  ];
  return (
    <dl className="stats card" aria-label="Jobs and throughput">
      {items.map(([name, value]) => (
        <div key={name} className="stat">
          <dt className="muted small">{name}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Workers({ activity, now }: { activity: Activity; now: number }) {
  return (
    <section className="card" aria-labelledby="workers-title">
      <h2 id="workers-title" className="section-title">
        Workers running ({activity.workers.length})
      </h2>
      {activity.workers.length === 0 ? (
        <p className="muted small">No worker is running a job.</p>
      ) : (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Video</th>
                <th scope="col">Segment</th>
                <th scope="col">Stage</th>
                <th scope="col">Frames</th>
                <th scope="col">Attempt</th>
                <th scope="col">Worker</th>
                <th scope="col">Last report</th>
              </tr>
            </thead>
            <tbody>
              {activity.workers.map((worker) => (
                <tr key={worker.jobId}>
                  <td className="cell-title">{worker.videoTitle}</td>
                  <td>{segmentOf(worker.segment, worker.segments)}</td>
                  <td>{worker.stage}</td>
                  <td>{worker.framesIndexed.toLocaleString("en")}</td>
                  <td>{worker.attempt}</td>
                  <td className="cell-id">{worker.taskId ?? "starting"}</td>
                  <td>{ago(worker.since, now)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Videos({ activity }: { activity: Activity }) {
  return (
    <section className="card" aria-labelledby="progress-title">
      <h2 id="progress-title" className="section-title">
        Videos in progress ({activity.videos.length})
      </h2>
      {activity.videos.length === 0 ? (
        <p className="muted small">Nothing is waiting or being processed.</p>
      ) : (
        <ul className="fleet-videos">
          {activity.videos.map((video) => (
            <li key={video.id} className="fleet-video">
              <div className="video-title-line">
                <span className="video-title">{video.title}</span>
                <span className={`badge ${video.status}`}>{video.status === "queued" ? "Queued" : "Processing"}</span>
              </div>
              <span className="bar" role="progressbar" aria-label={`Indexing of ${video.title}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(video.done * 100)}>
                <span style={{ width: `${Math.round(video.done * 1000) / 10}%` }} />
              </span>
              <p className="muted small">
                {percent(video.done)} indexed
                {video.segments.total > 1 ? ` · ${video.segments.succeeded}/${video.segments.total} segments` : ""}
                {video.segments.running > 0 ? ` · ${video.segments.running} running` : ""}
                {` · ${formatTime(video.elapsedSec)} elapsed`}
                {video.etaSec === null ? "" : ` · about ${formatTime(video.etaSec)} left`}
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Failures({ activity, now }: { activity: Activity; now: number }) {
  if (activity.failures.length === 0) return null;
  return (
    <section className="card" aria-labelledby="failures-title">
      <h2 id="failures-title" className="section-title">
        Recent failures
      </h2>
      <ul className="fleet-failures">
        {activity.failures.map((failure) => (
          <li key={failure.jobId}>
            <span className="video-title">{failure.videoTitle}</span>
            {failure.segment > 0 ? <span className="muted small"> · segment {failure.segment + 1}</span> : null}
            <span className="muted small"> · {ago(failure.at, now)}</span>
            <p className="small error-text">
              {failure.code ? `${failure.code}: ` : ""}
              {failure.message ?? "no reason recorded"}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}

function DeadLetters({ letters, now, onRedrive }: { letters: DeadLetter[]; now: number; onRedrive(letter: DeadLetter): Promise<void> }) {
  const [sending, setSending] = useState<ReadonlySet<string>>(new Set());
  const redrive = async (letter: DeadLetter) => {
    setSending((ids) => new Set([...ids, letter.id]));
    try {
      await onRedrive(letter);
    } finally {
      setSending((ids) => new Set([...ids].filter((id) => id !== letter.id)));
    }
  };
  return (
    <section className="card" aria-labelledby="dead-title">
      <h2 id="dead-title" className="section-title">
        Dead letters ({letters.length})
      </h2>
      {letters.length === 0 ? (
        <p className="muted small">No job gave up.</p>
      ) : (
        <>
          <p className="muted small">Jobs that used up their attempts. Fix the cause, then redrive: the job runs again with fresh attempts.</p>
          <ul className="fleet-failures">
            {letters.map((letter) => {
              const name = letter.videoTitle ?? `${letter.videoId} (deleted)`;
              const segment = letter.segment ? `segment ${letter.segment + 1}` : "";
              return (
                <li key={letter.id} className="dead-letter">
                  <div>
                    <span className="video-title">{name}</span>
                    {segment ? <span className="muted small"> · {segment}</span> : null}
                    {letter.failedAt ? <span className="muted small"> · {ago(letter.failedAt, now)}</span> : null}
                    <p className="small error-text">{letter.reason}</p>
                  </div>
                  <button type="button" className="button small" disabled={sending.has(letter.id)} onClick={() => void redrive(letter)} aria-label={`Redrive ${name}${segment ? `, ${segment}` : ""}`}>
                    <RetryIcon width={16} height={16} /> {sending.has(letter.id) ? "Redriving…" : "Redrive"}
                  </button>
                </li>
              );
            })}
          </ul>
        </>
      )}
    </section>
  );
}

/** The fleet at a glance, live: jobs, workers, throughput, videos in progress, failures and dead letters with a redrive. */
export function ActivityPage({ api }: ActivityPageProps) {
  const { activity, at, error, refresh } = useActivity(api);
  const [notice, setNotice] = useState<{ kind: "info" | "error"; text: string }>();
  const now = at ?? Date.now();

  const onRedrive = async (letter: DeadLetter) => {
    try {
      await api.redrive(letter.id);
      setNotice({ kind: "info", text: `Sent back to the queue: ${letter.videoTitle ?? letter.videoId}${letter.segment ? `, segment ${letter.segment + 1}` : ""} runs again.` });
    } catch (failure) {
      setNotice({ kind: "error", text: `Could not redrive: ${messageOf(failure)}` });
    }
    await refresh();
  };

  return (
    <div className="page">
      <header className="page-head">
        <div>
          <h1>Activity</h1>
          <p className="muted">What the workers are doing, how fast, what is left and what failed. Updates every {ACTIVITY_POLL_MS / 1000} s.</p>
        </div>
        {at ? <p className="muted small page-summary">Updated {new Date(at).toLocaleTimeString("en-GB")}</p> : null}
      </header>
      {error ? (
        <p className="notice error" role="alert">
          {activity ? `Cannot refresh (${error}). Showing what was seen at ${new Date(now).toLocaleTimeString("en-GB")}; trying again.` : error}
        </p>
      ) : null}
      <div role="status" aria-live="polite">
        {notice ? <p className={`notice ${notice.kind}`}>{notice.text}</p> : null}
      </div>
      {activity ? (
        <>
          <Stats activity={activity} />
          <Videos activity={activity} />
          <Workers activity={activity} now={now} />
          <DeadLetters letters={activity.deadLetters} now={now} onRedrive={onRedrive} />
          <Failures activity={activity} now={now} />
        </>
      ) : error ? null : (
        <p className="muted">Loading…</p>
      )}
    </div>
  );
}
