"""The live hub: where each sample is serialized once and handed to every reader.

``LiveHub.publish`` encodes a sample to one ``Message``, keeps it in a ring buffer (the backlog a
new reader gets first) and as the latest of its host, and hands it to every subscriber's bounded
queue. ``summary`` holds every host's newest summary (what the overview shows), ``watch`` the
hosts this process's consumers follow. Imports the standard library only: the runtime, the
cluster relay and the live WebSocket all build on it.
"""

from app.hub.live_hub import LiveHub, Message, Subscription, encode_sample

__all__ = ["LiveHub", "Message", "Subscription", "encode_sample"]
