"""Signal rules over the event stream: versioned rule data (``rules.json``), the pure rules
(``rules``), what a call says (``extract``), riskassess's projection of the events it reads
(``facts``) and the handlers that evaluate the rules as events arrive (``handlers``)."""
