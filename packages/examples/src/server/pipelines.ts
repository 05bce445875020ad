import { AsyncFunctionTask, AsyncPipeline, Conditional, MapStep, Parallel, type TaskContext } from "@runnable-ts/sdk";
import { fakeTokens, fakeTranslate } from "./fake-llm";

/** Answers a prompt token by token (status, chunk… events), returning the full text. */
export async function* chat({ prompt }: { prompt: string }, ctx: TaskContext) {
  yield { type: "status", status: "thinking" };
  let text = "";
  for await (const token of fakeTokens(`You asked: ${prompt}. Here is a considered answer.`, ctx.signal)) {
    text += token;
    yield { type: "chunk", text: token };
  }
  yield { type: "done", text };
}

/** Summarises the previous answer, streaming it. */
export async function* summarize({ text }: { text: string }, ctx: TaskContext) {
  yield { type: "status", status: "summarizing" };
  let summary = "";
  for await (const token of fakeTokens(`Summary: ${text.split(" ").slice(0, 4).join(" ")}`, ctx.signal)) {
    summary += token;
    yield { type: "chunk", text: token };
  }
  yield { type: "done", summary };
}

/** Translates the answer into one language, streaming it. */
function translator(language: string) {
  return async function* translate({ text }: { text: string }, ctx: TaskContext) {
    yield { type: "status", status: "translating", language };
    let out = "";
    for await (const token of fakeTokens(fakeTranslate(text, language), ctx.signal)) {
      out += token;
      yield { type: "chunk", text: token, language };
    }
    yield { type: "done", translation: out };
  };
}

/** Translates into the map variable `language`. */
export async function* translateTo({ text, language }: { text: string; language: string }, ctx: TaskContext) {
  yield* translator(language)({ text }, ctx);
}

/**
 * Human in the loop: the first attempt suspends the run with the answer to review; the resume
 * (`POST /approve?run_id=…` with `{ "approved": true|false, "note"?: string }`) gives the decision.
 */
export async function review({ text }: { text: string }, ctx: TaskContext) {
  const decision = ctx.resumeData as { approved?: unknown; note?: unknown } | undefined;
  if (decision === undefined) return ctx.suspend({ review: text });
  return { approved: decision.approved === true, note: typeof decision.note === "string" ? decision.note : "" };
}

/** Publishes the reviewed answer, or says why not. */
export async function* publish({ text, decision }: { text: string; decision: { approved: boolean; note: string } }, ctx: TaskContext) {
  const out = decision.approved ? text : `not published: ${decision.note || "rejected"}`;
  for await (const token of fakeTokens(out, ctx.signal)) yield { type: "chunk", text: token };
  yield { type: "done", published: out };
}

/** The pipeline behind `/chat-with-approval` (and the resume of `/approve`). */
export const approvalPipeline = (): AsyncPipeline =>
  new AsyncPipeline({
    steps: [chatStep(), new AsyncFunctionTask({ name: "review", fn: review, returns: ["decision"] }), new AsyncFunctionTask({ name: "publish", fn: publish, returns: ["published"] })],
  });

const chatStep = () => new AsyncFunctionTask({ name: "chat", fn: chat, returns: ["text"] });

/** The endpoints' pipelines, by path. */
export const PIPELINES: Record<string, () => AsyncPipeline> = {
  "/chat": () => new AsyncPipeline({ steps: [chatStep()] }),
  "/chat-and-summarize": () => new AsyncPipeline({ steps: [chatStep(), new AsyncFunctionTask({ name: "summarize", fn: summarize, returns: ["summary"] })] }),
  "/chat-and-translate": () =>
    new AsyncPipeline({
      steps: [
        chatStep(),
        new Parallel({
          name: "translate",
          branches: {
            spanish: new AsyncPipeline({ steps: [new AsyncFunctionTask({ name: "to_es", fn: translator("es"), returns: ["spanish"] })] }),
            french: new AsyncPipeline({ steps: [new AsyncFunctionTask({ name: "to_fr", fn: translator("fr"), returns: ["french"] })] }),
          },
        }),
      ],
    }),
  "/chat-map-translate": () =>
    new AsyncPipeline({
      steps: [
        chatStep(),
        new MapStep({
          name: "translate",
          iterateOn: "languages",
          iterateAs: "language",
          branch: new AsyncPipeline({ steps: [new AsyncFunctionTask({ name: "to_language", fn: translateTo, returns: ["translation"] })] }),
        }),
      ],
    }),
  "/chat-with-approval": () => approvalPipeline(),
  "/chat-conditional-translate": () =>
    new AsyncPipeline({
      steps: [
        chatStep(),
        new Conditional({
          name: "translate",
          parameter: "language",
          branches: {
            es: new AsyncPipeline({ steps: [new AsyncFunctionTask({ name: "to_es", fn: translator("es"), returns: ["translation"] })] }),
            fr: new AsyncPipeline({ steps: [new AsyncFunctionTask({ name: "to_fr", fn: translator("fr"), returns: ["translation"] })] }),
          },
        }),
      ],
    }),
};
