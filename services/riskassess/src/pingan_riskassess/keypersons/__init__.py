"""The key-person registry (重点人员): 严重精神障碍患者, 社区矫正人员, 刑释人员, 吸毒人员,
重点信访人, 重点青少年 — with case officer, guardian, status, risk rating and visit schedule;
matched against new calls; readable only as ``access`` allows, every read audited."""
