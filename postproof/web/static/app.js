// postproof serve: the little script the pages use. No framework, nothing from elsewhere.
"use strict";

function followJob(section) {
  // Live progress of a job (server-sent events); at the end, on to what it made.
  const id = section.dataset.job;
  const list = document.getElementById("progress");
  const stateLine = document.getElementById("job-state");
  const source = new EventSource("/jobs/" + encodeURIComponent(id) + "/events");
  const add = (text, href) => {
    const item = document.createElement("li");
    if (href) {
      const link = document.createElement("a");
      link.href = href;
      link.textContent = text;
      item.appendChild(link);
    } else {
      item.textContent = text;
    }
    list.appendChild(item);
  };
  list.textContent = "";
  source.addEventListener("started", () => { stateLine.textContent = "running"; });
  source.addEventListener("step", (e) => add(JSON.parse(e.data).text));
  source.addEventListener("stored", (e) => {
    const data = JSON.parse(e.data);
    add(data.capture_id + " " + data.status + " — " + data.url, "/captures/" + encodeURIComponent(data.capture_id));
  });
  const finish = (e) => {
    source.close();
    const data = JSON.parse(e.data);
    stateLine.textContent = data.kind;
    section.dataset.state = data.kind;
    if (data.kind === "failed") {
      add("Failed: " + (data.error || "unknown error"));
    } else if (data.url && data.url.startsWith("/")) {
      window.location.assign(data.url);  // the capture, or the article, it made
    } else {
      add("Done.");
    }
  };
  source.addEventListener("done", finish);
  source.addEventListener("failed", finish);
}

function copyButtons() {
  for (const button of document.querySelectorAll("button.copy")) {
    button.addEventListener("click", async () => {
      const text = document.getElementById(button.dataset.copy).textContent;
      const label = button.textContent;
      try {
        await navigator.clipboard.writeText(text);
        button.textContent = "Copied";
      } catch (error) {
        // No clipboard (an insecure origin): select the text for Ctrl-C instead.
        const range = document.createRange();
        range.selectNodeContents(document.getElementById(button.dataset.copy));
        window.getSelection().removeAllRanges();
        window.getSelection().addRange(range);
        button.textContent = "Selected: press Ctrl-C";
      }
      setTimeout(() => { button.textContent = label; }, 2000);
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const job = document.getElementById("job");
  if (job && (job.dataset.state === "queued" || job.dataset.state === "running")) {
    followJob(job);
  }
  copyButtons();
});
