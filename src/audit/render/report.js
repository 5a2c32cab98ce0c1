function natural(x,y){return x.localeCompare(y,undefined,{numeric:true,sensitivity:'base'})}
document.querySelectorAll('table.sortable').forEach(function(t){
  t.querySelectorAll('th').forEach(function(th,i){
    th.addEventListener('click',function(){
      var rows=Array.from(t.tBodies[0].rows), asc=th.dataset.asc!=='1';
      rows.sort(function(a,b){return natural(a.cells[i].dataset.key||a.cells[i].innerText,b.cells[i].dataset.key||b.cells[i].innerText)*(asc?1:-1)});
      rows.forEach(function(r){t.tBodies[0].appendChild(r)});th.dataset.asc=asc?'1':'0';
    });
  });
});
document.querySelectorAll('input.filter').forEach(function(inp){
  inp.addEventListener('input',function(){
    var q=inp.value.toLowerCase(),t=document.getElementById(inp.dataset.table);
    Array.from(t.tBodies[0].rows).forEach(function(r){r.style.display=r.innerText.toLowerCase().indexOf(q)>=0?'':'none'});
  });
});
document.querySelectorAll('.tools button').forEach(function(b){
  b.addEventListener('click',function(){var open=b.dataset.open==='1';
    document.querySelectorAll('.tree details').forEach(function(d){d.open=open})});
});
document.body.setAttribute('data-width',String(document.documentElement.scrollWidth));
document.body.setAttribute('data-ready','1');
