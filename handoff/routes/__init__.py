"""The console API's routes by area: session, chats, the live websocket, supervision, admin."""
