"""What follows registration at intake: retraction (撤单), supplements (补充) and direct answers
(直接答复)."""
