"""Replies to released comments: a head answers a comment, and its anonymous author reads it with a code."""
