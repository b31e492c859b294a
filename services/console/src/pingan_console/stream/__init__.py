"""The live stream: notify's Server-Sent Events, relayed to the browser under the session."""
